"""`basketlift demo`: the whole product on real Online Retail data, replayed over HTTP.

Imports go one way: retail -> catalogue, visits -> shop, server, replay, invoicing,
evaluation -> run -> summary; `widget.cli.demo` is the command. The package uses the
product only through its public stores, its HTTP API and `basketlift serve`.
"""
