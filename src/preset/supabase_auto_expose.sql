-- =============================================================================
-- Supabase platform stand-in for TESTS ONLY: projects that still auto-expose.
--
-- Applied right after supabase_standin.sql for models with
-- `supabase: { auto_expose_new_tables: true }`. Mirrors the automatic grants of
-- Supabase projects created before the Data API became secure by default: the
-- API roles get broad privileges on everything in `public`, so Row Level
-- Security is what actually protects data. (Default privileges apply to objects
-- created later by the role running this script, normally `postgres`.)
-- Idempotent, like the stand-in.
-- =============================================================================

begin;

-- Existing objects in public (in case the stand-in runs after some DDL) ...
grant all on all tables    in schema public to anon, authenticated, service_role;
grant all on all sequences in schema public to anon, authenticated, service_role;
grant all on all functions in schema public to anon, authenticated, service_role;

-- ... and everything created later.
alter default privileges in schema public grant all on tables    to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;

commit;
