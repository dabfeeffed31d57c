"""`basketlift demo`: the whole product on real Online Retail data, replayed over HTTP.

Imports go one way: retail -> visits -> shop -> browser -> catalogue -> replay, and
server, invoicing, evaluation beside them -> run -> summary; `widget.cli.demo` is the
command and `make_subset` cuts the packaged data. The package uses the
product only through its public stores, its HTTP API and `basketlift serve`.
"""
