"""Consent of parents and children (specific, time-bound, withdrawable). Built by the consent issue;
the index and its policies already name the legal basis of every disclosure."""
