import { describe, expect, it } from 'vitest';
import { AvcmError } from '../../../src/errors/index.js';
import { chooseIo, ioFallbackNotice, ioRequest, loadBatchedUdp } from '../../../src/io/index.js';

describe('choosing the UDP I/O path', () => {
  it('--io wins over AVCM_IO; neither means auto; AVCM_IO is checked', () => {
    expect(ioRequest('dgram', { AVCM_IO: 'batched' })).toBe('dgram');
    expect(ioRequest(undefined, { AVCM_IO: 'dgram' })).toBe('dgram');
    expect(ioRequest(undefined, { AVCM_IO: ' batched ' })).toBe('batched');
    expect(ioRequest(undefined, {})).toBe('auto');
    expect(ioRequest(undefined, { AVCM_IO: '' })).toBe('auto');
    const error = (() => {
      try {
        ioRequest(undefined, { AVCM_IO: 'uring' });
      } catch (e) {
        return e as AvcmError;
      }
    })();
    expect(error).toBeInstanceOf(AvcmError);
    expect(error!.code).toBe('E_USAGE');
  });

  it('auto takes the addon where it loads (here, on Linux), and dgram when asked, without loading anything', () => {
    expect(chooseIo('auto', {}).path).toBe('batched');
    expect(chooseIo('dgram', { AVCM_NATIVE_DISABLE: '1' })).toEqual({ path: 'dgram', fallbackReason: null });
    expect(ioFallbackNotice(chooseIo('dgram', {}))).toBeNull();
    expect(ioFallbackNotice(chooseIo('auto', {}))).toBeNull();
  });

  it('AVCM_NATIVE_DISABLE=1: the loader says why, auto falls back with one notice, an explicit batched is a usage error', () => {
    expect(loadBatchedUdp({ AVCM_NATIVE_DISABLE: '1' })).toEqual({ available: false, reason: 'disabled by AVCM_NATIVE_DISABLE' });
    const fallback = chooseIo('auto', { AVCM_NATIVE_DISABLE: '1' });
    expect(fallback).toEqual({ path: 'dgram', fallbackReason: 'disabled by AVCM_NATIVE_DISABLE' });
    expect(ioFallbackNotice(fallback)).toBe('avcm: batched UDP I/O unavailable (disabled by AVCM_NATIVE_DISABLE); using node:dgram');
    expect(() => chooseIo('batched', { AVCM_NATIVE_DISABLE: '1' })).toThrow(/--io batched: the batched UDP addon is not available here: disabled by AVCM_NATIVE_DISABLE/);
  });
});
