using System.ComponentModel;
using Alavida.Client;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Alavida.Mcp;

/// <summary>Each component's consumer SKILL.md as the resource <c>alavida://skills/{slug}</c>: a template, and one listed resource per component.</summary>
[McpServerResourceType]
public sealed class SkillResources(AlavidaClient client)
{
    public const string UriPrefix = "alavida://skills/";

    [McpServerResource(UriTemplate = UriPrefix + "{slug}", Name = "skill", Title = "A component's SKILL.md", MimeType = "text/markdown")]
    [Description("The consumer SKILL.md of a registry component: what it does, its actions and inputs, and how to use it well.")]
    public async Task<TextResourceContents> ReadAsync(string slug, CancellationToken cancellationToken)
    {
        try
        {
            return new TextResourceContents { Uri = UriPrefix + slug, MimeType = "text/markdown", Text = await client.GetSkillAsync(slug, cancellationToken) };
        }
        catch (AlavidaApiException e) when (e.Status == 404)
        {
            throw new McpProtocolException(e.Detail ?? $"There is no component '{slug}'.", McpErrorCode.ResourceNotFound);
        }
    }

    /// <summary>resources/list: one skill resource per component of the registry.</summary>
    public static async ValueTask<ListResourcesResult> ListAsync(RequestContext<ListResourcesRequestParams> request, CancellationToken cancellationToken)
    {
        var client = request.Services!.GetRequiredService<AlavidaClient>();
        var components = await client.SearchRegistryAsync(null, cancellationToken);
        return new ListResourcesResult
        {
            Resources = [.. components.GetProperty("items").EnumerateArray().Select(c => new Resource
            {
                Uri = UriPrefix + c.GetProperty("slug").GetString(),
                Name = c.GetProperty("slug").GetString()!,
                Title = $"{c.GetProperty("name").GetString()} SKILL.md",
                Description = c.GetProperty("description").GetString(),
                MimeType = "text/markdown",
            })],
        };
    }
}
