CREATE TABLE "sensitive_columns" (
	"table_name" text NOT NULL,
	"column_name" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sensitive_columns_table_name_column_name_pk" PRIMARY KEY("table_name","column_name")
);
