-- The functions that planning a statement could run and that pgconsole does not trust
-- (pgconsole.explain_guard). $1, $2, $3: parallel arrays of kind (function, field,
-- operator, type, relation), schema (NULL: unqualified) and name, as the statement names
-- them; $4: built-in functions that run a query of their own; $5: the schemas of the
-- search_path the statement will be planned with (sql/search_path). Run in the
-- transaction that will EXPLAIN, under search_path = pg_catalog, pg_temp (so no name in
-- this query can resolve to someone else's function or operator).
WITH RECURSIVE
path AS (   -- the statement's search_path: pg_catalog and the temporary schema included
    SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY ($5::text[])
),
named AS (
    SELECT x.kind, x.name, x.sch,
           (SELECT n.oid FROM pg_catalog.pg_namespace n
             WHERE n.nspname = x.sch OR (x.sch = 'pg_temp' AND n.oid = pg_catalog.pg_my_temp_schema())
             LIMIT 1) AS nsp
      FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[]), pg_catalog.unnest($3::text[]))
           AS x(kind, sch, name)
),
-- every object a name could resolve to: all overloads, in every schema it could come from
roots(classid, objid) AS (
    SELECT 'pg_catalog.pg_proc'::regclass::oid, p.oid
      FROM named x JOIN pg_catalog.pg_proc p ON p.proname = x.name
     WHERE x.kind = 'function'
       AND (CASE WHEN x.sch IS NULL THEN p.pronamespace IN (SELECT oid FROM path) ELSE p.pronamespace = x.nsp END)
    UNION
    SELECT 'pg_catalog.pg_proc'::regclass::oid, p.oid   -- t.f written for f(t)
      FROM named x JOIN pg_catalog.pg_proc p ON p.proname = x.name AND p.pronargs = 1
     WHERE x.kind = 'field' AND p.pronamespace IN (SELECT oid FROM path)
    UNION
    SELECT 'pg_catalog.pg_operator'::regclass::oid, o.oid
      FROM named x JOIN pg_catalog.pg_operator o ON o.oprname = x.name
     WHERE x.kind = 'operator'
       AND (CASE WHEN x.sch IS NULL THEN o.oprnamespace IN (SELECT oid FROM path) ELSE o.oprnamespace = x.nsp END)
    UNION
    SELECT 'pg_catalog.pg_type'::regclass::oid, t.oid
      FROM named x JOIN pg_catalog.pg_type t ON t.typname = x.name
     WHERE x.kind = 'type'
       AND (CASE WHEN x.sch IS NULL THEN t.typnamespace IN (SELECT oid FROM path) ELSE t.typnamespace = x.nsp END)
    UNION
    SELECT 'pg_catalog.pg_class'::regclass::oid, c.oid
      FROM named x JOIN pg_catalog.pg_class c ON c.relname = x.name
     WHERE x.kind = 'relation'
       AND (CASE WHEN x.sch IS NULL THEN c.relnamespace IN (SELECT oid FROM path) ELSE c.relnamespace = x.nsp END)
),
-- everything planning them could touch; built-in objects (oid < 16384) are not followed
closure(classid, objid) AS (
    SELECT classid, objid FROM roots
    UNION
    SELECT e.classid, e.objid
      FROM closure c
     CROSS JOIN LATERAL (
        -- what an object uses: a view's rule its relations and functions, an operator or a cast
        -- its function, a type its I/O functions, base type or columns, a relation its column
        -- types, an index, default, policy or constraint the functions of its expression
        SELECT d.refclassid AS classid, d.refobjid AS objid
          FROM pg_catalog.pg_depend d
         WHERE d.classid = c.classid AND d.objid = c.objid AND c.objid >= 16384
           AND d.refclassid IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_operator'::regclass,
                                'pg_catalog.pg_type'::regclass, 'pg_catalog.pg_class'::regclass,
                                'pg_catalog.pg_foreign_server'::regclass,
                                'pg_catalog.pg_foreign_data_wrapper'::regclass)
        UNION ALL
        -- what belongs to a relation and the planner reads: view and other rules, row security
        -- policies, defaults and generated columns, CHECK constraints, indexes (expressions and
        -- predicates), extended statistics (expressions); never its triggers (not fired)
        SELECT d.classid, d.objid
          FROM pg_catalog.pg_depend d
         WHERE c.classid = 'pg_catalog.pg_class'::regclass AND c.objid >= 16384
           AND d.refclassid = c.classid AND d.refobjid = c.objid AND d.deptype IN ('a', 'i')
           AND (d.classid IN ('pg_catalog.pg_rewrite'::regclass, 'pg_catalog.pg_policy'::regclass,
                              'pg_catalog.pg_attrdef'::regclass, 'pg_catalog.pg_statistic_ext'::regclass)
                OR (d.classid = 'pg_catalog.pg_constraint'::regclass
                    AND EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.oid = d.objid AND k.contype = 'c'))
                OR (d.classid = 'pg_catalog.pg_class'::regclass
                    AND EXISTS (SELECT FROM pg_catalog.pg_index i WHERE i.indexrelid = d.objid)))
        UNION ALL
        -- partitions and inheritance children: planned with their parent
        SELECT 'pg_catalog.pg_class'::regclass, i.inhrelid
          FROM pg_catalog.pg_inherits i
         WHERE c.classid = 'pg_catalog.pg_class'::regclass AND i.inhparent = c.objid
        UNION ALL
        -- what belongs to a type: a domain's checks, the casts from and to it
        SELECT d.classid, d.objid
          FROM pg_catalog.pg_depend d
         WHERE c.classid = 'pg_catalog.pg_type'::regclass AND c.objid >= 16384
           AND d.refclassid = c.classid AND d.refobjid = c.objid
           AND (d.classid = 'pg_catalog.pg_cast'::regclass
                OR (d.classid = 'pg_catalog.pg_constraint'::regclass
                    AND EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.oid = d.objid AND k.contype = 'c')))
        UNION ALL
        -- a composite type's columns (a literal of it runs its columns' input functions and checks)
        SELECT 'pg_catalog.pg_class'::regclass, t.typrelid
          FROM pg_catalog.pg_type t
         WHERE c.classid = 'pg_catalog.pg_type'::regclass AND c.objid >= 16384
           AND t.oid = c.objid AND t.typrelid <> 0
        UNION ALL
        -- an operator's commutator and negator (the planner may use either instead)
        SELECT 'pg_catalog.pg_operator'::regclass, x.oid
          FROM pg_catalog.pg_operator o, pg_catalog.unnest(ARRAY[o.oprcom, o.oprnegate]) AS x(oid)
         WHERE c.classid = 'pg_catalog.pg_operator'::regclass AND c.objid >= 16384
           AND o.oid = c.objid AND x.oid <> 0
     ) e
),
me AS (
    SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER
)
SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname)
           || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS function,
       pg_catalog.pg_get_userbyid(p.proowner) AS owner,
       CASE WHEN p.oid < 16384 THEN 'runs queries'
            WHEN p.prosecdef THEN 'security definer'
            ELSE 'untrusted owner' END AS why,
       (SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
          FROM pg_catalog.pg_depend d
          JOIN closure c ON c.classid = d.classid AND c.objid = d.objid
         WHERE d.refclassid = 'pg_catalog.pg_proc'::regclass AND d.refobjid = p.oid
           AND NOT (d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid)
         ORDER BY d.classid = 'pg_catalog.pg_type'::regclass, d.objid
         LIMIT 1) AS via
  FROM closure c
  JOIN pg_catalog.pg_proc p ON c.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = c.objid
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = p.proowner
 WHERE CASE WHEN p.oid < 16384 THEN p.proname = ANY ($4::text[]) AND p.pronamespace = 'pg_catalog'::regnamespace
            ELSE p.prosecdef OR NOT (COALESCE(r.rolsuper, false) OR p.proowner = (SELECT oid FROM me)) END
 ORDER BY p.oid < 16384, n.nspname, p.proname, p.oid
