# One RDS database instance in private subnets: subnet group, a security group open on the
# engine's port to given CIDR blocks, and a generated password unless one is given.

variable "name" {
  type        = string
  description = "Short name of the database's user (airflow, mlflow). The instance is NAME-ENGINE (airflow-postgres), the database NAME_db, the user NAME_admin."

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,30}$", var.name))
    error_message = "name must be 1-31 lowercase letters or digits, starting with a letter (it becomes part of the database and user names)."
  }
}

variable "engine" {
  type        = string
  description = "Database engine."

  validation {
    condition     = contains(["postgres", "mysql", "mariadb"], var.engine)
    error_message = "engine must be postgres, mysql or mariadb."
  }
}

variable "engine_version" {
  type        = string
  description = "Engine version, e.g. 16.3 (postgres) or 8.0.39 (mysql). A major upgrade needs allow_major_version_upgrade."
}

variable "allow_major_version_upgrade" {
  type        = bool
  description = "Allow engine_version to change major version."
  default     = false
}

variable "port" {
  type        = number
  description = "Port the database listens on. Null: the engine's default (5432 postgres, 3306 mysql/mariadb)."
  default     = null

  validation {
    condition     = var.port == null ? true : (var.port >= 1150 && var.port <= 65535)
    error_message = "RDS ports must be between 1150 and 65535."
  }
}

variable "instance_class" {
  type        = string
  description = "Instance class."
  default     = "db.t3.micro"

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must start with db. (e.g. db.t3.micro)."
  }
}

variable "storage_type" {
  type        = string
  description = "Storage type."
  default     = "gp2"

  validation {
    condition     = contains(["gp2", "gp3", "io1", "io2", "standard"], var.storage_type)
    error_message = "storage_type must be gp2, gp3, io1, io2 or standard."
  }
}

variable "allocated_storage" {
  type        = number
  description = "Storage at creation, in GiB. (The book passes max_allocated_storage here, 500 GiB; that is the autoscaling ceiling, not the start.)"
  default     = 20

  validation {
    condition     = var.allocated_storage >= 20
    error_message = "allocated_storage must be at least 20 GiB."
  }
}

variable "max_allocated_storage" {
  type        = number
  description = "Storage autoscaling ceiling in GiB; 0 turns autoscaling off."
  default     = 100

  validation {
    condition     = var.max_allocated_storage == 0 || var.max_allocated_storage >= var.allocated_storage
    error_message = "max_allocated_storage must be 0 or at least allocated_storage."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC of the database's security group."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the DB subnet group (at least two AZs)."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "A DB subnet group needs subnets in at least two availability zones."
  }
}

variable "allowed_cidr_blocks" {
  type        = list(string)
  description = "CIDR blocks allowed to reach the database port (the private subnets)."

  validation {
    condition     = alltrue([for c in var.allowed_cidr_blocks : can(cidrnetmask(c))])
    error_message = "allowed_cidr_blocks must hold IPv4 CIDR blocks."
  }
}

variable "password" {
  type        = string
  description = "Master password. Null: a generated 16-character alphanumeric one (MLflow has trouble with special characters)."
  default     = null
  sensitive   = true
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete the instance (turn off before destroy)."
  default     = false
}

variable "skip_final_snapshot" {
  type        = bool
  description = "Delete without a final snapshot. Off: the snapshot is NAME-ENGINE-final."
  default     = true
}

variable "apply_immediately" {
  type        = bool
  description = "Apply modifications now rather than in the next maintenance window."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default     = {}
}

locals {
  identifier = "${var.name}-${var.engine}"
  port       = coalesce(var.port, var.engine == "postgres" ? 5432 : 3306)
  db_name    = "${var.name}_db"
  username   = "${var.name}_admin"
}

resource "random_password" "this" {
  length  = 16
  special = false
}

resource "aws_db_subnet_group" "this" {
  name       = "vpc-subnet-group-${local.identifier}"
  subnet_ids = var.subnet_ids
  tags       = merge(var.tags, { Name = "vpc-subnet-group-${local.identifier}" })
}

resource "aws_security_group" "this" {
  name        = "${local.identifier}-sg"
  description = "Access to ${var.engine} ${local.identifier}"
  vpc_id      = var.vpc_id

  ingress {
    description = "${var.engine} from the allowed networks"
    from_port   = local.port
    to_port     = local.port
    protocol    = "tcp"
    cidr_blocks = var.allowed_cidr_blocks
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = merge(var.tags, { Name = "${local.identifier}-sg" })
}

resource "aws_db_instance" "this" {
  identifier                  = local.identifier
  engine                      = var.engine
  engine_version              = var.engine_version
  allow_major_version_upgrade = var.allow_major_version_upgrade
  instance_class              = var.instance_class
  storage_type                = var.storage_type
  allocated_storage           = var.allocated_storage
  max_allocated_storage       = var.max_allocated_storage
  db_name                     = local.db_name
  username                    = local.username
  password                    = coalesce(var.password, random_password.this.result)
  port                        = local.port
  vpc_security_group_ids      = [aws_security_group.this.id]
  db_subnet_group_name        = aws_db_subnet_group.this.name
  publicly_accessible         = false
  storage_encrypted           = true
  deletion_protection         = var.deletion_protection
  skip_final_snapshot         = var.skip_final_snapshot
  final_snapshot_identifier   = var.skip_final_snapshot ? null : "${local.identifier}-final"
  apply_immediately           = var.apply_immediately
  tags                        = var.tags

  timeouts {
    create = "40m"
    update = "80m"
    delete = "60m"
  }
}

output "identifier" {
  description = "Identifier of the instance (NAME-ENGINE)."
  value       = aws_db_instance.this.identifier
}

output "host" {
  description = "Host name of the instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the instance."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Name of the database (NAME_db)."
  value       = aws_db_instance.this.db_name
}

output "username" {
  description = "Master user name (NAME_admin)."
  value       = aws_db_instance.this.username
}

output "password" {
  description = "Master password."
  value       = aws_db_instance.this.password
  sensitive   = true
}

output "security_group_id" {
  description = "ID of the database's security group."
  value       = aws_security_group.this.id
}
