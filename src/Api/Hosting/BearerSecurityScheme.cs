using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Alavida.Api.Hosting;

/// <summary>
/// Declares how to authenticate in the OpenAPI document: an HTTP <c>bearer</c> security scheme, required by the
/// operations that need a key (those with authorization metadata) and by no others. The reference UI builds its
/// "Bearer" token field from the scheme. Prose shows the header in a code span: as plain Markdown the UI read
/// <c>&lt;api key&gt;</c> as an HTML tag and dropped it, leaving "Bearer '".
/// </summary>
internal static class BearerSecurityScheme
{
    /// <summary>The scheme's name in <c>components.securitySchemes</c>.</summary>
    public const string Name = "bearer";

    public const string Description =
        "An API key: a team's (`alv_…`, shown once when the team or key is created) or the platform admin key, sent as " +
        "`Authorization: Bearer <api key>`.";

    public static OpenApiOptions AddBearerSecurityScheme(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "API key",
                Description = Description,
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Name, context.Document)] = [] });
            }

            return Task.CompletedTask;
        });
        return options;
    }
}
