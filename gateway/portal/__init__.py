"""The parent portal: parents (and children from 12) see who is involved, give and withdraw consent, and see
who looked at the child's data. Server-rendered in plain Dutch; login by OpenID Connect (DigiD)."""
