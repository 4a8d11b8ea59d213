prod
﻿# edge cases
environment = "prod" // trailing
aws_account_id = "093646564004"
aws_region="af-south-1"
s3_orders_bucket = "bbws-orders-prod"
s3_templates_bucket = "xn--bbws..Templates-s3alias"
dynamodb_table_name = "bbws-$${literal}-prod"
sqs_queue_name = "bbws-\t\"q\"-prod\\"
lambda_memory = -1.5e3
lambda_timeout = 30x
enable_cross_region_dr = true
enable_cross_region_dr = false
tags = { a = "b" }
bad = "${var.x}"
/* block */
unterminated = "abc
== 
  = 1
name_only
