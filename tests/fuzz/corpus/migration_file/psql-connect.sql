\set ON_ERROR_STOP on
CREATE DATABASE x;
\c x
COPY t FROM stdin;
\N
\c y
\.
SELECT 1;
