"""What every feature of the deployable stands on.

`settings` (the environment, read once), `store` and `embedded` (the connection, and the
embedded server when nothing is configured), `services` (what the handlers share),
`responses` and `openapi` (the shape of answers and their documentation), `auth` (a
shop's secret key), `metrics`, `health` and `fast_lane` (the app around the routes),
`shop_cache` and `shop_config` (per-shop state every feature reads), `training` and
`version`. Modules here import `tracker`, `engine` and `billing`, never a feature.
"""
