# BBWS order service: live production.
# Account 093646564004, region af-south-1. Checked by 'promote env check'.
environment    = "prod"
aws_account_id = "093646564004"
aws_region     = "af-south-1"

// disaster recovery: multi-site active/active with eu-west-1
aws_failover_region     = "eu-west-1"
dynamodb_replica_region = "eu-west-1"

dynamodb_table_name = "bbws-customer-portal-orders-prod"
sqs_queue_name      = "bbws-order-creation-prod"
s3_templates_bucket = "bbws-email-templates-prod"
s3_orders_bucket    = "bbws-orders-prod"

lambda_memory  = 512 # MB
lambda_timeout = 30  # seconds

enable_cross_region_dr = true
ses_sending_limit      = "50/sec"
