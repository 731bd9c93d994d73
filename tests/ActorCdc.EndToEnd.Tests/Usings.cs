// The double's namespace and class share a name; inside ActorCdc.* the simple name finds the namespace first.
global using SrDouble = ActorCdc.StarRocksDouble.StarRocksDouble;
