# A Kubernetes service account identity, as an IRSA trust policy expects it.

variable "namespace" {
  type        = string
  description = "Kubernetes namespace of the service account."
}

variable "name" {
  type        = string
  description = "Name of the service account."

  validation {
    condition     = length(var.name) <= 63
    error_message = "Kubernetes names are at most 63 characters."
  }
}

resource "plat_data" "account" {
  input = {
    namespace = var.namespace
    name      = var.name
  }
}

output "subject" {
  description = "The subject claim of the account's tokens: system:serviceaccount:NAMESPACE:NAME."
  value       = "system:serviceaccount:${plat_data.account.input.namespace}:${plat_data.account.input.name}"
}
