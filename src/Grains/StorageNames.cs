namespace Alavida.Grains;

/// <summary>Names of the grain storage providers the silo registers.</summary>
public static class StorageNames
{
    /// <summary>The PostgreSQL grain storage (ADO.NET provider, System.Text.Json payloads).</summary>
    public const string Main = "main";
}
