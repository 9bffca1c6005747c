using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Foundation;

/// <summary>Tests that start and stop their own silos on one shared, migrated database (unique cluster per test).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<DatabaseFixture>
{
    public const string Name = "cluster lifecycle";
}
