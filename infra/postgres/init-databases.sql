-- One database per service, each owned by a login role of its own, so that no service can read
-- another's data (DESIGN.md §3) even by mistake: a role may connect only to its own database.
--
-- Run once as a superuser on an empty server:
--   * compose.yaml mounts this file into /docker-entrypoint-initdb.d/, which the postgres image
--     runs on the first start of an empty data volume (not again: to re-run it, remove the volume);
--   * infra/distributed/run-local.sh runs it with psql against its throwaway server.
-- Each statement runs on its own (CREATE DATABASE cannot run inside a transaction block).
--
-- The passwords are for development only and are repeated in the connection strings of
-- compose.yaml and run-local.sh; a real deployment creates its roles with secrets of its own.
-- Needs PostgreSQL 15 or later: there the public schema of a new database belongs to the
-- database owner, so each service role can create its tables (EF Core migrations) in it.

\set ON_ERROR_STOP on

CREATE ROLE jindu_screening   LOGIN PASSWORD 'jindu-dev-screening';
CREATE ROLE jindu_leads       LOGIN PASSWORD 'jindu-dev-leads';
CREATE ROLE jindu_cooperation LOGIN PASSWORD 'jindu-dev-cooperation';

CREATE DATABASE jindu_screening   OWNER jindu_screening   ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE jindu_leads       OWNER jindu_leads       ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE jindu_cooperation OWNER jindu_cooperation ENCODING 'UTF8' TEMPLATE template0;

-- By default every role may connect to every database; take that away. The owner keeps it.
REVOKE ALL ON DATABASE jindu_screening   FROM PUBLIC;
REVOKE ALL ON DATABASE jindu_leads       FROM PUBLIC;
REVOKE ALL ON DATABASE jindu_cooperation FROM PUBLIC;
