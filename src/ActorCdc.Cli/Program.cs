// actorcdc: the operator's client. Filled in with the command host (issue 7).
Console.Error.WriteLine("actorcdc: not built yet");
return 2;
