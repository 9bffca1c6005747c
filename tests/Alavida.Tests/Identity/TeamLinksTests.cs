using Alavida.Grains.Identity;

namespace Alavida.Tests.Identity;

public sealed class TeamLinksTests
{
    [Fact]
    public void OnlyCommittedLinks_AreKnown_PerTeamAndKind_AndTheSetForgetsEverythingPastItsCapacity()
    {
        var links = new TeamLinks();
        var (team, other) = (Guid.NewGuid(), Guid.NewGuid());
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());

        Assert.Equal([a, b], links.Unknown(team, IdentityKind.Company, [a, b]));
        links.Committed(team, IdentityKind.Company, [a]);

        Assert.Equal([b], links.Unknown(team, IdentityKind.Company, [a, b]));
        Assert.Equal([a], links.Unknown(other, IdentityKind.Company, [a]));     // another team has not linked it
        Assert.Equal([a], links.Unknown(team, IdentityKind.Person, [a]));       // nor has this team as a person

        links.Committed(team, IdentityKind.Person, Enumerable.Range(0, TeamLinks.Capacity).Select(_ => Guid.NewGuid()));
        links.Committed(team, IdentityKind.Company, [b]);                      // past the capacity: starts again
        Assert.Equal([a], links.Unknown(team, IdentityKind.Company, [a, b]));
    }
}
