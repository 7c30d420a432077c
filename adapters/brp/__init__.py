"""BRP (Haal Centraal "BRP bevragen", personen API v2): age and gezag of a child, for consent."""
