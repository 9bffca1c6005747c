using System.Net;
using System.Net.Sockets;

namespace Alavida.Grains.Webhooks;

/// <summary>
/// The outbound rule: deliveries go to public addresses only. Loopback, private, shared (CGNAT), link-local (cloud
/// metadata at 169.254.169.254 included), unique-local, multicast and reserved ranges are refused, for IPv4, IPv6 and
/// IPv4 mapped into IPv6.
/// </summary>
public static class WebhookAddresses
{
    private static readonly (IPAddress Network, int Bits)[] Refused =
    [
        (IPAddress.Parse("0.0.0.0"), 8), (IPAddress.Parse("10.0.0.0"), 8), (IPAddress.Parse("100.64.0.0"), 10),
        (IPAddress.Parse("127.0.0.0"), 8), (IPAddress.Parse("169.254.0.0"), 16), (IPAddress.Parse("172.16.0.0"), 12),
        (IPAddress.Parse("192.0.0.0"), 24), (IPAddress.Parse("192.0.2.0"), 24), (IPAddress.Parse("192.168.0.0"), 16),
        (IPAddress.Parse("198.18.0.0"), 15), (IPAddress.Parse("198.51.100.0"), 24), (IPAddress.Parse("203.0.113.0"), 24),
        (IPAddress.Parse("224.0.0.0"), 4), (IPAddress.Parse("240.0.0.0"), 4),
        (IPAddress.Parse("::"), 128), (IPAddress.Parse("::1"), 128), (IPAddress.Parse("64:ff9b:1::"), 48), (IPAddress.Parse("100::"), 64),
        (IPAddress.Parse("2001:db8::"), 32), (IPAddress.Parse("fc00::"), 7), (IPAddress.Parse("fe80::"), 10), (IPAddress.Parse("ff00::"), 8),
    ];

    /// <summary>True when a delivery may connect to <paramref name="address"/>.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return !Refused.Any(r => r.Network.AddressFamily == address.AddressFamily && InNetwork(address, r.Network, r.Bits));
    }

    /// <summary>
    /// The addresses of <paramref name="host"/> a delivery may connect to: all of them, or an exception naming the
    /// first refused one (a name with one private address among public ones is refused as a whole).
    /// </summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, bool allowPrivate, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new WebhookAddressException($"'{host}' does not resolve to any address");
        }

        if (!allowPrivate && addresses.FirstOrDefault(a => !IsPublic(a)) is { } refused)
        {
            throw new WebhookAddressException($"'{host}' resolves to {refused}, a loopback, private, link-local or reserved address");
        }

        return addresses;
    }

    /// <summary>
    /// The handler's connect step: resolves the host again for every connection and connects only to checked
    /// addresses, so a name that changes its answer after the endpoint was created (DNS rebinding) is refused too.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowPrivate, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, allowPrivate, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool InNetwork(IPAddress address, IPAddress network, int bits)
    {
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (byte)(0xFF << (8 - bits));
            if ((a[i] & mask) != (n[i] & mask))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A delivery refused by the outbound rule (the message names the host and the address).</summary>
public sealed class WebhookAddressException(string message) : Exception(message);
