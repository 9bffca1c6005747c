using Microsoft.AspNetCore.Http;

namespace Alavida.Api.Validation;

/// <summary>
/// Query parameters and route values must be text the platform can keep (<see cref="StorableText"/>): handlers hand
/// them to grains and SQL as they are, so a NUL (<c>%00</c>) is refused here with a 422 naming the parameter, before
/// the endpoint runs. A NUL in the path itself never gets this far: Kestrel refuses it with a bare 400.
/// </summary>
internal static class RequestTextGuard
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var errors = new List<FieldError>();
        foreach (var (name, values) in context.Request.Query)
        {
            if (StorableText.Problem(name) is { } nameProblem)
            {
                errors.Add(new FieldError(Shown(name), $"parameter name {nameProblem}"));
            }
            else if (values.Select(v => StorableText.Problem(v)).FirstOrDefault(p => p is not null) is { } valueProblem)
            {
                errors.Add(new FieldError(name, valueProblem));
            }
        }

        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is string text && StorableText.Problem(text) is { } routeProblem)
            {
                errors.Add(new FieldError(name, routeProblem));
            }
        }

        if (errors.Count > 0)
        {
            await Problems.Invalid("The request has parameters that cannot be kept; nothing was done.", errors).ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    // The name as sent, with what made it unusable replaced, so the problem itself is plain text.
    private static string Shown(string name) =>
        Problems.Echo(string.Concat(name.Select(c => c == '\0' || char.IsSurrogate(c) ? '\uFFFD' : c)));
}
