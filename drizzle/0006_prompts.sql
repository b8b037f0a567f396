CREATE TABLE `step_prompts` (
	`id` text PRIMARY KEY NOT NULL,
	`execution_id` text NOT NULL,
	`step_order` integer NOT NULL,
	`step_name` text NOT NULL,
	`kind` text NOT NULL,
	`message` text NOT NULL,
	`spec` text DEFAULT '{}' NOT NULL,
	`opened_at` text NOT NULL,
	`deadline` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`answer` text,
	`answered_by` text,
	`closed_at` text,
	FOREIGN KEY (`execution_id`) REFERENCES `executions`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "step_prompts_status_ck" CHECK("step_prompts"."status" in ('open', 'answered', 'timed_out', 'cancelled')),
	CONSTRAINT "step_prompts_kind_ck" CHECK("step_prompts"."kind" in ('confirm', 'choice', 'text', 'number'))
);
--> statement-breakpoint
CREATE INDEX `step_prompts_execution_idx` ON `step_prompts` (`execution_id`,`opened_at`);