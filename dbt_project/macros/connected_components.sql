{#-
    Connected components of an undirected graph, in plain SQL rounds.

    nodes: a relation with `node_id` (integer); edges: a relation with `node_id`,
    `neighbour_id`, one row per edge in either direction. Returns the name of a table
    with (node_id, label) where label is the smallest node_id in the node's component.

    Each round does min-label propagation (a node takes the smallest label among its
    neighbours) and then pointer jumping (a node takes its label's label), which halves
    the distance to the component's minimum, so chains converge in O(log n) rounds
    rather than O(n). Only `create table as`, joins and group by: any engine dbt
    supports can run it, and no step needs all edges in one process.

    Work tables live beside the model and are dropped by `drop_component_work_tables`.
-#}
{% macro connected_components(nodes, edges, max_rounds=100) %}
    {%- set work_a = this.incorporate(path={"identifier": this.identifier ~ "__cc_a"}, type="table") -%}
    {%- set work_b = this.incorporate(path={"identifier": this.identifier ~ "__cc_b"}, type="table") -%}
    {%- if not (execute and flags.WHICH in ("run", "build")) -%}
        {{ return(work_a) }}
    {%- endif -%}

    {%- set initial -%}
        select n.node_id, least(n.node_id, coalesce(min(e.neighbour_id), n.node_id)) as label
        from {{ nodes }} as n
        left join {{ edges }} as e on e.node_id = n.node_id
        group by n.node_id
    {%- endset -%}
    {% do adapter.drop_relation(work_a) %}
    {% do run_query(get_create_table_as_sql(False, work_a, initial)) %}

    {%- set state = namespace(current=work_a, other=work_b, converged=false, rounds=0) -%}
    {%- for round in range(max_rounds) if not state.converged -%}
        {%- set step -%}
            with neighbour_min as (
                select e.node_id, min(l.label) as label
                from {{ edges }} as e
                inner join {{ state.current }} as l on l.node_id = e.neighbour_id
                group by e.node_id
            ),
            propagated as (
                select w.node_id, least(w.label, coalesce(n.label, w.label)) as label
                from {{ state.current }} as w
                left join neighbour_min as n on n.node_id = w.node_id
            )
            select p.node_id, least(p.label, j.label) as label
            from propagated as p
            inner join propagated as j on j.node_id = p.label
        {%- endset -%}
        {% do adapter.drop_relation(state.other) %}
        {% do run_query(get_create_table_as_sql(False, state.other, step)) %}
        {%- set changed_sql -%}
            select count(*) from {{ state.other }} as n
            inner join {{ state.current }} as w on w.node_id = n.node_id
            where n.label <> w.label
        {%- endset -%}
        {%- set changed = run_query(changed_sql).columns[0].values()[0] -%}
        {%- set previous = state.current -%}
        {%- set state.current = state.other -%}
        {%- set state.other = previous -%}
        {%- set state.rounds = state.rounds + 1 -%}
        {%- set state.converged = changed == 0 -%}
    {%- endfor -%}
    {%- if not state.converged -%}
        {{ exceptions.raise_compiler_error("connected_components did not converge in " ~ max_rounds ~ " rounds") }}
    {%- endif -%}
    {{ log("connected_components: converged in " ~ state.rounds ~ " rounds", info=true) }}
    {{ return(state.current) }}
{% endmacro %}

{% macro drop_component_work_tables() %}
    {%- for suffix in ["__cc_a", "__cc_b"] -%}
        {% do adapter.drop_relation(this.incorporate(path={"identifier": this.identifier ~ suffix}, type="table")) %}
    {%- endfor -%}
{% endmacro %}
