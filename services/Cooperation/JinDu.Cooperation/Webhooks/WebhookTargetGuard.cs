using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace JinDu.Cooperation.Webhooks;

/// <summary>The target is not one the platform may call (server-side request forgery guard).</summary>
public sealed class RefusedTargetException(string message) : Exception(message);

/// <summary>
/// Keeps webhooks from reaching inside the platform's network (server-side request forgery): a target must resolve
/// to public addresses only, checked when it is registered and again on every connection (a name may be re-pointed
/// after registration), unless an operator names the host or address in Webhooks:AllowedHosts.
/// </summary>
public sealed class WebhookTargetGuard(IOptionsMonitor<WebhookOptions> options)
{
    private bool Allowed(string hostOrAddress) =>
        options.CurrentValue.AllowedHosts.Any(h => string.Equals(h.Trim().Trim('[', ']'), hostOrAddress.Trim('[', ']'), StringComparison.OrdinalIgnoreCase));

    /// <summary>Checks a URL a liaison wants to register; returns what is wrong with it, or null.</summary>
    public async Task<string?> ProblemWithAsync(string? url, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return "must be an absolute http(s) URL of at most 2000 characters";
        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) return "must be an http(s) URL";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "must not carry a user name or password";
        if (!string.IsNullOrEmpty(uri.Fragment)) return "must not have a fragment";
        var host = uri.IdnHost;
        if (Allowed(host)) return null;
        if (uri.Scheme != Uri.UriSchemeHttps) return "must use https";
        try
        {
            await AddressesAsync(host, ct);
            return null;
        }
        catch (RefusedTargetException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The addresses a connection to <paramref name="host"/> may use; throws when any of them is refused.</summary>
    public async Task<IPAddress[]> AddressesAsync(string host, CancellationToken ct)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal)) addresses = [literal];
        else
        {
            try { addresses = await Dns.GetHostAddressesAsync(host, ct); }
            catch (SocketException) { throw new RefusedTargetException($"the host {host} cannot be resolved"); }
        }
        if (addresses.Length == 0) throw new RefusedTargetException($"the host {host} has no address");
        if (Allowed(host)) return addresses;
        // Every address must be acceptable: a name that also resolves inside would let a request in.
        foreach (var address in addresses)
            if (!Allowed(address.ToString()) && Internal(address) is { } why)
                throw new RefusedTargetException($"resolves to {address}, a {why} address; only an operator's allow-list (Webhooks:AllowedHosts) admits those");
        return addresses;
    }

    /// <summary>Why an address is not a public one, or null when it is.</summary>
    public static string? Internal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return "loopback";
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any)) return "unspecified";
            if (address.IsIPv6LinkLocal) return "link-local";
            if (address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal) return "private";
            if (address.IsIPv6Multicast) return "multicast";
            return null;
        }
        var b = address.GetAddressBytes();
        return b switch
        {
            [0, ..] => "unspecified",
            [10, ..] => "private",
            [172, >= 16 and <= 31, ..] => "private",
            [192, 168, ..] => "private",
            [169, 254, ..] => "link-local",
            [100, >= 64 and <= 127, ..] => "shared (carrier-grade NAT)",
            [>= 224, ..] => "multicast or reserved",
            _ => null,
        };
    }

    /// <summary>The connection callback of the webhook client: resolves, checks, connects to the first acceptable address.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await AddressesAsync(context.DnsEndPoint.Host, ct);
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                last = ex;
                if (ex is OperationCanceledException) throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostUnreachable);
    }
}
