using Alavida.Grains;
using Alavida.Grains.Identity;
using Alavida.Grains.Identity.Rules;
using Alavida.Grains.Platform;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Platform;

[Collection(GatewayCollection.Name)]
public sealed class GrainReferencesTests(GatewayFixture gateway)
{
    [Fact]
    public async Task GrainOf_BuildsTheReferenceOrleansBuilds_ForEveryKeyKind_AndGenericInterfaces()
    {
        var grains = gateway.Host.Grains;
        var id = Guid.NewGuid();
        AssertSame(grains.GetGrain<IJobGrain>(id), grains.GrainOf<IJobGrain>(id));
        AssertSame(grains.GetGrain<IIdentityResolverGrain>(7), grains.GrainOf<IIdentityResolverGrain>(7));
        AssertSame(grains.GetGrain<IApiKeyGrain>("alv_prefix"), grains.GrainOf<IApiKeyGrain>("alv_prefix"));
        AssertSame(grains.GetGrain<IEntityKeyGrain<CompanyFacts>>(id), grains.GrainOf<IEntityKeyGrain<CompanyFacts>>(id));
        AssertSame(grains.GetGrain<IEntityKeyGrain<PersonFacts>>(id), grains.GrainOf<IEntityKeyGrain<PersonFacts>>(id));

        // And it reaches the same activation: a job that does not exist answers null either way.
        Assert.Null(await grains.GrainOf<IJobGrain>(id).GetAsync());
    }

    private static void AssertSame(object expected, object actual)
    {
        var (e, a) = ((GrainReference)expected, (GrainReference)actual);
        Assert.Equal(e.GrainId, a.GrainId);
        Assert.Equal(e.InterfaceType, a.InterfaceType);
        Assert.Equal(expected.GetType(), actual.GetType());
    }
}
