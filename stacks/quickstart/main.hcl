# A small stack that runs anywhere: no cloud, only plat's built-in providers.
# Try: plat validate stacks/quickstart
#      echo 'local.subnets' | plat console stacks/quickstart

plat {
  required_version = ">= 0.1"
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every name in the stack."
  default     = "mlplatform"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,20}$", var.name_prefix))
    error_message = "name_prefix must be 3-21 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

variable "azs" {
  type    = list(string)
  default = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
}

variable "deploy_mlflow" {
  type    = bool
  default = true
}

locals {
  env = plat.env
  subnets = {
    for index, az in var.azs : az => cidrsubnet(var.vpc_cidr, 8, index + 1)
  }
  tags = {
    stack       = "quickstart"
    environment = local.env
  }
}

resource "random_password" "db" {
  length  = 24
  special = false
}

resource "plat_data" "subnet" {
  for_each = local.subnets

  input = {
    name = "${var.name_prefix}-${local.env}-${each.key}"
    cidr = each.value
    tags = merge(local.tags, { az = each.key })
  }
}

module "mlflow_account" {
  source = "../../modules/service-account"
  count  = var.deploy_mlflow ? 1 : 0

  namespace = "mlflow"
  name      = "${var.name_prefix}-mlflow"
}

output "subnet_cidrs" {
  description = "CIDR block of each subnet, by availability zone."
  value       = { for az, subnet in plat_data.subnet : az => subnet.input.cidr }
}

output "db_password" {
  value     = random_password.db.result
  sensitive = true
}

output "mlflow_service_account" {
  value = one(module.mlflow_account[*].subject)
}
