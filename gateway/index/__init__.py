"""The case index: children (by keyed pseudonym only), involvements, attendance status, regisseur."""
