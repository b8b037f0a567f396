CREATE TABLE `recoveries` (
	`execution_id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`record` text NOT NULL,
	FOREIGN KEY (`execution_id`) REFERENCES `executions`(`id`) ON UPDATE no action ON DELETE cascade
);
