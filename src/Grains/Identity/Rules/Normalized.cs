namespace Alavida.Grains.Identity.Rules;

/// <summary>The outcome of normalizing one field: a canonical value, or the reason it cannot be used.</summary>
public readonly record struct Normalized<T>(T? Value, string? Rejection)
    where T : class
{
    public bool IsValid => Value is not null;

    public static Normalized<T> Ok(T value) => new(value, null);

    public static Normalized<T> Reject(string reason) => new(null, reason);
}
