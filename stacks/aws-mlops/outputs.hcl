output "region" {
  description = "AWS region of the stack."
  value       = var.region
}

output "vpc_id" {
  description = "ID of the VPC."
  value       = module.vpc.vpc_id
}

output "private_subnets" {
  description = "IDs of the private subnets (cluster, databases, EFS)."
  value       = module.vpc.private_subnets
}

output "cluster_name" {
  description = "Name of the EKS cluster (aws eks update-kubeconfig --name ...)."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "URL of the Kubernetes API server."
  value       = module.eks.cluster_endpoint
}

output "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider (IRSA)."
  value       = module.eks.oidc_provider_arn
}

output "irsa_role_arns" {
  description = "IRSA role ARNs by component; annotate each service account with eks.amazonaws.com/role-arn."
  value = {
    efs_csi_driver     = module.efs_csi_irsa.arn
    cluster_autoscaler = module.autoscaler_irsa.arn
    airflow            = one(module.airflow_irsa[*].arn)
    mlflow             = one(module.mlflow_irsa[*].arn)
  }
}

output "efs_file_system_id" {
  description = "ID of the shared EFS file system (the efs StorageClass's fileSystemId)."
  value       = module.efs.file_system_id
}

output "airflow_db_host" {
  description = "Host of Airflow's Postgres database; null when Airflow is off."
  value       = one(module.airflow_db[*].host)
}

output "airflow_db_password" {
  description = "Password of Airflow's database; null when Airflow is off."
  value       = one(module.airflow_db[*].password)
  sensitive   = true
}

output "mlflow_db_host" {
  description = "Host of MLflow's MySQL database; null when MLflow is off."
  value       = one(module.mlflow_db[*].host)
}

output "mlflow_db_password" {
  description = "Password of MLflow's database; null when MLflow is off."
  value       = one(module.mlflow_db[*].password)
  sensitive   = true
}

output "buckets" {
  description = "S3 bucket names by purpose; null for components that are off."
  value = {
    mlflow_artifacts = one(module.mlflow_bucket[*].bucket)
    airflow_data     = one(module.airflow_data_bucket[*].bucket)
    airflow_logs     = one(module.airflow_logs_bucket[*].bucket)
  }
}

output "ecr_repository_url" {
  description = "URL of the model image repository (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME)."
  value       = aws_ecr_repository.models.repository_url
}

output "components" {
  description = "Which components are deployed."
  value = {
    airflow    = var.deploy_airflow
    mlflow     = var.deploy_mlflow
    jupyterhub = var.deploy_jupyterhub
  }
}
