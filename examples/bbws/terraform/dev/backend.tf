# The Terraform state of dev lives in dev's own account (536580886816).
terraform {
  backend "s3" {
    bucket         = "bbws-terraform-state-dev"
    key            = "order-lambda/terraform.tfstate"
    region         = "af-south-1"
    dynamodb_table = "terraform-locks-dev"
    encrypt        = true
  }
}
