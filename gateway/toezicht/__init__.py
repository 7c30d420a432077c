"""The privacy officer's dashboard: the audit log of the own organisation with filters, flags, a chart over
time and exports, behind an OpenID Connect login for employees."""
