using Alavida.Silo.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Alavida.Tests.Foundation;

public sealed class LocalPostgresTests
{
    [Fact]
    public async Task Start_ExplainsHowToGetPostgres_WhenTheBinariesAreMissing()
    {
        var empty = Directory.CreateTempSubdirectory("alavida-no-pg-");
        try
        {
            var error = await Assert.ThrowsAsync<PostgresBinariesNotFoundException>(() =>
                LocalPostgres.StartAsync(Path.Combine(empty.FullName, "data"), "alavida", deleteOnStop: true, NullLogger.Instance, binDirectory: empty.FullName));

            Assert.Contains("apt-get install postgresql-15", error.Message);
            Assert.Contains("docker compose up -d postgres", error.Message);
            Assert.Contains("ConnectionStrings__Postgres", error.Message);
            Assert.False(Directory.Exists(Path.Combine(empty.FullName, "data")), "nothing is created before the check");
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
