CREATE TABLE `resumable_executions` (
	`execution_id` text PRIMARY KEY NOT NULL,
	FOREIGN KEY (`execution_id`) REFERENCES `executions`(`id`) ON UPDATE no action ON DELETE cascade
);
