namespace ActorCdc.Sink.Files.Tests;
