using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Alavida.Grains.Platform;

internal static class DapperSetup
{
    /// <summary>Columns are snake_case, C# members PascalCase: let Dapper match <c>lifetime_used</c> to <c>LifetimeUsed</c>.</summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "A process-wide Dapper setting that must hold before any grain of this assembly runs, in every host.")]
    internal static void Initialize() => Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
}
