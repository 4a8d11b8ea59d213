# BBWS order service: development and testing.
# Account 536580886816, region af-south-1. Checked by 'promote env check'.
environment    = "dev"
aws_account_id = "536580886816"
aws_region     = "af-south-1"

dynamodb_table_name = "bbws-customer-portal-orders-dev"
sqs_queue_name      = "bbws-order-creation-dev"
s3_templates_bucket = "bbws-email-templates-dev"
s3_orders_bucket    = "bbws-orders-dev"

lambda_memory  = 512 # MB
lambda_timeout = 30  # seconds

enable_cross_region_dr = false
ses_sending_limit      = "1/sec"
