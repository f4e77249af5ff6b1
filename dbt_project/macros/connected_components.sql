{#-
    Connected components of an undirected graph, in plain SQL rounds.

    nodes: a relation with `node_id` (integer); edges: a relation with `node_id`,
    `neighbour_id`, one row per edge in either direction. Returns the name of a table
    with (node_id, label) where label is the smallest node_id in the node's component.

    Each round works on a graph that shrinks: it maps every node of the current graph to
    the smallest of itself and its neighbours, jumps that pointer once (a node takes its
    target's target), and contracts: each edge becomes an edge between the two nodes'
    targets, and edges whose ends now share a target are gone. Round one reads all edges;
    later rounds read only what is still unresolved, and the graph is done when no edge
    is left. A node's label is its target after round 1, then that target's after round
    2, and so on, applied once at the end. The smallest node of a component is never
    mapped away, so it is the label every node of the component ends with.

    Only `create table as`, joins and group by: any engine dbt supports can run it, and
    no step needs all edges in one process. Because int_identity__nodes numbers the
    strongest identifiers first, a record's star is centred on its smallest node and most
    of the graph resolves in the first round. Propagating labels over all edges every
    round needed more rounds and a check of its own, and was slower: the identity graph
    benchmark's entries in bench/HISTORY.md have the figures.

    Work tables live beside the model: each round's targets are dropped here once the
    labels are built; the labels and the contracted graphs by `drop_component_work_tables`.
-#}
{% macro connected_components(nodes, edges, max_rounds=100) %}
    {%- set labels = _component_work_table('labels') -%}
    {%- if not (execute and flags.WHICH in ("run", "build")) -%}
        {{ return(labels) }}
    {%- endif -%}

    {%- set state = namespace(graph=edges, converged=false, rounds=0) -%}
    {%- for round in range(1, max_rounds + 1) if not state.converged -%}
        {%- set targets = _component_work_table('targets_' ~ round) -%}
        {%- set contracted = _component_work_table('graph_' ~ (round % 2)) -%}
        {%- set step -%}
            with nearest as (
                select node_id, least(node_id, min(neighbour_id)) as target
                from {{ state.graph }}
                group by node_id
            )
            select n.node_id, least(n.target, coalesce(j.target, n.target)) as target
            from nearest as n
            left join nearest as j on j.node_id = n.target
        {%- endset -%}
        {% do adapter.drop_relation(targets) %}
        {% do run_query(get_create_table_as_sql(False, targets, step)) %}
        {%- set contract -%}
            select distinct a.target as node_id, b.target as neighbour_id
            from {{ state.graph }} as e
            inner join {{ targets }} as a on a.node_id = e.node_id
            inner join {{ targets }} as b on b.node_id = e.neighbour_id
            where a.target <> b.target
        {%- endset -%}
        {% do adapter.drop_relation(contracted) %}
        {% do run_query(get_create_table_as_sql(False, contracted, contract)) %}
        {%- set state.graph = contracted -%}
        {%- set state.rounds = round -%}
        {%- set state.converged = run_query("select count(*) from " ~ contracted).columns[0].values()[0] == 0 -%}
    {%- endfor -%}
    {%- if not state.converged -%}
        {{ exceptions.raise_compiler_error("connected_components did not converge in " ~ max_rounds ~ " rounds") }}
    {%- endif -%}

    {#- each round's targets, applied in order: one pass over the nodes -#}
    {%- set chain = namespace(label="n.node_id", joins="") -%}
    {%- for round in range(1, state.rounds + 1) -%}
        {%- set chain.joins = chain.joins ~ " left join " ~ _component_work_table('targets_' ~ round)
            ~ " as t" ~ round ~ " on t" ~ round ~ ".node_id = " ~ chain.label -%}
        {%- set chain.label = "coalesce(t" ~ round ~ ".target, " ~ chain.label ~ ")" -%}
    {%- endfor -%}
    {% do adapter.drop_relation(labels) %}
    {% do run_query(get_create_table_as_sql(False, labels,
        "select n.node_id, " ~ chain.label ~ " as label from " ~ nodes ~ " as n" ~ chain.joins)) %}
    {%- for round in range(1, state.rounds + 1) -%}
        {% do adapter.drop_relation(_component_work_table('targets_' ~ round)) %}
    {%- endfor -%}
    {{ log("connected_components: converged in " ~ state.rounds ~ " rounds", info=true) }}
    {{ return(labels) }}
{% endmacro %}

{% macro _component_work_table(name) %}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ "__cc_" ~ name}, type="table")) }}
{% endmacro %}

{% macro drop_component_work_tables() %}
    {%- for name in ["labels", "graph_0", "graph_1"] -%}
        {% do adapter.drop_relation(_component_work_table(name)) %}
    {%- endfor -%}
{% endmacro %}
