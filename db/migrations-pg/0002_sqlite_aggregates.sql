-- More of SQLite's behaviour that the application's SQL (written once, in SQLite's dialect)
-- relies on. Hand-written; see src/store/pg/translate.ts for what is translated instead.

-- sum(x = 'y') and avg(rating = 3): SQLite's comparisons are integers 0/1, PostgreSQL's are
-- booleans, which its sum/avg do not take. Same results as SQLite: NULL over no rows.
CREATE FUNCTION jb_bool_sum_step(state bigint, v boolean) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v IS NULL THEN state ELSE coalesce(state, 0) + (CASE WHEN v THEN 1 ELSE 0 END) END
$$;
--> statement-breakpoint
CREATE AGGREGATE sum(boolean) (SFUNC = jb_bool_sum_step, STYPE = bigint);
--> statement-breakpoint
CREATE FUNCTION jb_bool_avg_step(state bigint[], v boolean) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v IS NULL THEN state
    ELSE ARRAY[state[1] + (CASE WHEN v THEN 1 ELSE 0 END), state[2] + 1] END
$$;
--> statement-breakpoint
CREATE FUNCTION jb_bool_avg_final(state bigint[]) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN state[2] = 0 THEN NULL ELSE state[1]::double precision / state[2] END
$$;
--> statement-breakpoint
CREATE AGGREGATE avg(boolean) (
  SFUNC = jb_bool_avg_step, STYPE = bigint[], FINALFUNC = jb_bool_avg_final, INITCOND = '{0,0}'
);
--> statement-breakpoint
-- drizzle's SQLite dialect writes a column's SQL default into the INSERT itself, so the
-- timestamp default of schema.ts, `cast(unixepoch('subsec') * 1000 as integer)`, reaches
-- PostgreSQL as it is: seconds since the epoch, with fractions for 'subsec'.
CREATE FUNCTION unixepoch(modifier text) RETURNS double precision
LANGUAGE sql VOLATILE AS $$
  SELECT CASE WHEN modifier = 'subsec' THEN extract(epoch FROM clock_timestamp())::double precision
    ELSE floor(extract(epoch FROM clock_timestamp()))::double precision END
$$;
--> statement-breakpoint
CREATE FUNCTION unixepoch() RETURNS double precision
LANGUAGE sql VOLATILE AS $$ SELECT floor(extract(epoch FROM clock_timestamp()))::double precision $$;
