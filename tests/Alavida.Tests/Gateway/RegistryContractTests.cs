using System.Text.Json;
using Alavida.Api.Validation;
using Alavida.Grains.Registry;

namespace Alavida.Tests.Gateway;

/// <summary>The shipped manifests against the gateway's own validator, with each component's example requests.</summary>
public sealed class RegistryContractTests
{
    public static TheoryData<string> Components() => [.. ComponentManifest.LoadEmbedded().Select(c => c.Slug)];

    [Theory]
    [MemberData(nameof(Components))]
    public void Examples_ValidateAsDocumented(string slug)
    {
        var component = ComponentManifest.LoadEmbedded().Single(c => c.Slug == slug).ToDescriptor(DateTimeOffset.UnixEpoch, (_, _) => true);
        var examples = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "src/Grains/Registry/components", slug, "examples.json"))).RootElement;
        var validator = new InputValidator();

        foreach (var action in examples.GetProperty("actions").EnumerateObject())
        {
            var descriptor = component.FindAction(action.Name) ?? throw new Xunit.Sdk.XunitException($"{slug} examples name unknown action {action.Name}");
            foreach (var valid in action.Value.GetProperty("valid").EnumerateArray())
            {
                Assert.True(validator.Validate(component, descriptor, valid.GetProperty("input")).Count == 0,
                    $"{slug}/{action.Name}: '{valid.GetProperty("description").GetString()}' should be valid");
            }

            foreach (var invalid in action.Value.GetProperty("invalid").EnumerateArray())
            {
                var errors = validator.Validate(component, descriptor, invalid.GetProperty("input"));
                Assert.True(errors.Any(e => e.Field == invalid.GetProperty("field").GetString()),
                    $"{slug}/{action.Name}: '{invalid.GetProperty("description").GetString()}' should fail at {invalid.GetProperty("field").GetString()}, got [{string.Join("; ", errors)}]");
            }
        }
    }

    [Fact]
    public async Task Validators_BuildingTheSameSchemaAtOnce_DoNotCollide()
    {
        var component = ComponentManifest.LoadEmbedded().Single(c => c.Slug == "identity").ToDescriptor(DateTimeOffset.UnixEpoch, (_, _) => true);
        var action = component.FindAction("resolve-company")!;
        var input = JsonDocument.Parse("""{"companies":[{"domain":"acme.com"}]}""").RootElement;

        var errors = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => new InputValidator().Validate(component, action, input))));

        Assert.All(errors, Assert.Empty);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Alavida.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run the tests from inside the repository.");
    }
}
