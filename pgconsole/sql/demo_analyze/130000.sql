-- after the schema's transaction committed: ANALYZE inside it leaves n_mod_since_analyze at
-- every row loaded, and the Findings pane then calls each demo table unanalyzed
ANALYZE
