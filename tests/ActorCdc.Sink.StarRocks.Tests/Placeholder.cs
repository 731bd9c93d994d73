namespace ActorCdc.Sink.StarRocks.Tests;
