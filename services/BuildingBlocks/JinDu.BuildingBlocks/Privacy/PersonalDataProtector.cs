using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using JinDu.Contracts;

namespace JinDu.BuildingBlocks.Privacy;

/// <summary>
/// Encrypts personal data at rest (AES-256-GCM, a fresh nonce per value, the key id stored with it so
/// keys can rotate) and derives matching tokens (HMAC-SHA256 of kind and normalised value) so
/// correlation and watchlists work without plaintext.
/// </summary>
public sealed class PersonalDataProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly string _activeKeyId;
    private readonly byte[] _activeKeyIdBytes; // the associated data of every encryption
    private readonly Dictionary<string, byte[]> _keys;
    private readonly byte[] _tokenKey;
    private static readonly ConcurrentDictionary<SubjectKind, byte[]> TokenPrefixes = new();

    // AesGcm instances are costly to create (OpenSSL context set-up was a quarter of Screening's CPU in
    // the feed benchmark when made per value) and not safe to share between threads: one per thread and key.
    private readonly ThreadLocal<Dictionary<string, AesGcm>> _ciphers;

    // Likewise one keyed HMAC per thread, reset after each token: a one-shot HMAC fetches the algorithm
    // and builds a context in OpenSSL every time, several times the cost of hashing a short value.
    private readonly ThreadLocal<IncrementalHash> _tokenHmacs;

    public PersonalDataProtector(PersonalDataKeys keys)
    {
        keys.Validate();
        _activeKeyId = keys.ActiveKeyId;
        _activeKeyIdBytes = Encoding.ASCII.GetBytes(_activeKeyId);
        _keys = keys.Keys.ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value));
        _tokenKey = Convert.FromBase64String(keys.TokenKey);
        _ciphers = new ThreadLocal<Dictionary<string, AesGcm>>(() => new Dictionary<string, AesGcm>(StringComparer.Ordinal));
        _tokenHmacs = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _tokenKey));
    }

    private AesGcm Cipher(string keyId, byte[] key)
    {
        var ciphers = _ciphers.Value!;
        if (!ciphers.TryGetValue(keyId, out var cipher)) ciphers[keyId] = cipher = new AesGcm(key, TagSize);
        return cipher;
    }

    /// <summary>The keyed token of an identifier; the same input gives the same token in every service.</summary>
    public string Token(SubjectKind kind, string normalizedValue)
    {
        // "kind:value" in UTF-8, HMAC-SHA256, base64url without padding; built on the stack, as the feed
        // ingest makes three or four tokens per parcel.
        var prefix = TokenPrefixes.GetOrAdd(kind, k => Encoding.UTF8.GetBytes(k.ToString().ToLowerInvariant() + ":"));
        var length = prefix.Length + Encoding.UTF8.GetByteCount(normalizedValue);
        var input = length <= 512 ? stackalloc byte[length] : new byte[length];
        prefix.CopyTo(input);
        Encoding.UTF8.GetBytes(normalizedValue, input[prefix.Length..]);
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var hmac = _tokenHmacs.Value!;
        hmac.AppendData(input);
        hmac.GetHashAndReset(hash);
        return Base64Url.EncodeToString(hash);
    }

    /// <summary>Ciphertext as "keyId:base64(nonce|ciphertext|tag)".</summary>
    public string Encrypt(string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var buffer = new byte[NonceSize + plain.Length + TagSize];
        var nonce = buffer.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var aes = Cipher(_activeKeyId, _keys[_activeKeyId]);
        aes.Encrypt(nonce, plain, buffer.AsSpan(NonceSize, plain.Length), buffer.AsSpan(NonceSize + plain.Length), _activeKeyIdBytes);
        return _activeKeyId + ":" + Convert.ToBase64String(buffer);
    }

    public string Decrypt(string protectedValue)
    {
        var colon = protectedValue.IndexOf(':');
        if (colon <= 0) throw new CryptographicException("not a protected value (keyId:payload expected)");
        var keyId = protectedValue[..colon];
        if (!_keys.TryGetValue(keyId, out var key))
            throw new CryptographicException($"personal-data key '{keyId}' is not configured");
        byte[] buffer;
        try { buffer = Convert.FromBase64String(protectedValue[(colon + 1)..]); }
        catch (FormatException ex) { throw new CryptographicException("the protected value is not base64", ex); }
        var cipherLength = buffer.Length - NonceSize - TagSize;
        if (cipherLength < 0) throw new CryptographicException("the protected value is too short");
        var plain = new byte[cipherLength];
        var aes = Cipher(keyId, key);
        aes.Decrypt(buffer.AsSpan(0, NonceSize), buffer.AsSpan(NonceSize, cipherLength), buffer.AsSpan(NonceSize + cipherLength), plain, Encoding.ASCII.GetBytes(keyId));
        return Encoding.UTF8.GetString(plain);
    }
}
