using System.Security.Cryptography;
using System.Text;

namespace Alavida.Grains.Identity.Rules;

/// <summary>
/// UUIDv5 (RFC 9562 §5.5: SHA-1 over namespace + name) under fixed namespaces, so every silo derives the same id for
/// the same canonical key without coordination.
/// </summary>
public static class DeterministicIds
{
    /// <summary>Namespace of company ids. Never change: every stored id depends on it.</summary>
    public static readonly Guid CompanyNamespace = new("6f1d8a52-3c4e-4b7a-9e21-0a7c5d3b9f10");

    /// <summary>Namespace of person ids. Never change: every stored id depends on it.</summary>
    public static readonly Guid PersonNamespace = new("b4e27c91-58d3-4f06-a1c8-7d92e5f03a64");

    /// <summary>The company id of a canonical key (<c>domain:acme.com</c>).</summary>
    public static Guid Company(IdentityKey key) => Create(CompanyNamespace, key.ToString());

    /// <summary>The person id of a canonical key (<c>email:jane@acme.com</c>).</summary>
    public static Guid Person(IdentityKey key) => Create(PersonNamespace, key.ToString());

    /// <summary>A version-5 UUID of <paramref name="name"/> (UTF-8) in <paramref name="ns"/>.</summary>
    public static Guid Create(Guid ns, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        ns.TryWriteBytes(input, bigEndian: true, out _);
        nameBytes.CopyTo(input, 16);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}

/// <summary>A canonical key: its kind (<c>domain</c>, <c>linkedin</c>, <c>email</c>, <c>name</c>) and value.</summary>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.Internal.IdentityKey")]
public sealed record IdentityKey([property: Id(0)] string Kind, [property: Id(1)] string Value)
{
    public override string ToString() => $"{Kind}:{Value}";
}
