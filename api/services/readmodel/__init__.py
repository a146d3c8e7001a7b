"""The columnar read model (DESIGN §6): a Parquet file per submission graph, and the views built from them."""
