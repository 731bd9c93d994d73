# ActorCdc build script for PowerShell users: the same verbs as build.sh, as thin wrappers over dotnet.
# PostgreSQL 15 must be installed (build.sh installs it on Debian); tests look for it in /usr/lib/postgresql/15/bin
# or in $env:ACTORCDC_PG_BIN.
param([Parameter(Position = 0)][string]$Verb = "build", [Parameter(Position = 1, ValueFromRemainingArguments)][string[]]$Rest)
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot
$Config = if ($env:CONFIGURATION) { $env:CONFIGURATION } else { "Release" }
function Build { dotnet build ActorCdc.sln -c $Config -warnaserror -nologo -v q; if ($LASTEXITCODE) { exit $LASTEXITCODE } }
switch ($Verb) {
  "build" { Build }
  "test"  { Build; dotnet test ActorCdc.sln -c $Config --no-build -m:1; exit $LASTEXITCODE }
  "demo"  { Build; bash scripts/demo.sh $Config; exit $LASTEXITCODE }
  "bench" { Build; dotnet run --project tests/ActorCdc.Benchmarks -c $Config --no-build -- @Rest; exit $LASTEXITCODE }
  # dotnet-trace setup and trace post-processing live in build.sh; PowerShell users on Linux/macOS run it through bash.
  "profile" { bash ./build.sh profile @Rest; exit $LASTEXITCODE }
  default { Write-Error "usage: ./build.ps1 [build|test|demo|bench <name>|profile [--rows N] [--variant V] [--gc]]"; exit 2 }
}
