"""Partner organisations of the region: schools, GGD, gemeente, samenwerkingsverband, SAVE, RvdK."""
