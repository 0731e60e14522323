"""Predicting a reader's ratings: the similarity blend (`blend`, one pure function), scoring a
reader against many books (`scorer`), every predictor behind one interface (`predictors`) and
the tuned settings in the warehouse (`settings`)."""
