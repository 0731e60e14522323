"""Predicting a reader's ratings: the similarity blend with its centerings (`blend`, the one
implementation every caller uses), scoring a reader against many books (`scorer`), every
predictor behind one interface (`predictors`) and the tuned settings in the warehouse
(`settings`)."""
