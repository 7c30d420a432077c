"""Policy decisions: Rego in `policies/` decides, this package evaluates and fails closed."""
