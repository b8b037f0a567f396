import { describe, expect, test } from 'bun:test';
import { SubscriptionTrie } from '../src/routing/trie.ts';

const b = (text: string) => Buffer.from(text);

function matches(trie: SubscriptionTrie<string>, topic: string): string[] {
  const out: string[] = [];
  trie.match(b(topic), (key) => out.push(key));
  return out.sort();
}

describe('subscription trie', () => {
  test('prefix matching, each subscriber visited once even when several prefixes match', () => {
    const trie = new SubscriptionTrie<string>();
    trie.add(b(''), 'all');
    trie.add(b('weather'), 'w');
    trie.add(b('weather.paris'), 'w');
    trie.add(b('weather.paris'), 'p');
    expect({
      paris: matches(trie, 'weather.paris.today'),
      rome: matches(trie, 'weather.rome'),
      news: matches(trie, 'news'),
      short: matches(trie, 'weat'),
    }).toEqual({ paris: ['all', 'p', 'w'], rome: ['all', 'w'], news: ['all'], short: ['all'] });
  });

  test('add and remove report when a prefix gains its first or loses its last subscriber', () => {
    const trie = new SubscriptionTrie<string>();
    expect([trie.add(b('a'), 'x'), trie.add(b('a'), 'y'), trie.add(b('a'), 'x')]).toEqual([
      true,
      false,
      false,
    ]);
    expect([trie.remove(b('a'), 'x'), trie.remove(b('a'), 'x'), trie.remove(b('a'), 'y')]).toEqual([
      false,
      false,
      true,
    ]);
    expect([trie.remove(b('never'), 'x'), trie.size, trie.matches(b('abc'))]).toEqual([false, 0, false]);
  });

  test('removeKey drops a subscriber everywhere and names the prefixes left empty', () => {
    const trie = new SubscriptionTrie<string>();
    trie.add(b('a'), 'gone');
    trie.add(b('ab'), 'gone');
    trie.add(b('ab'), 'stays');
    trie.add(b(''), 'gone');
    const emptied: string[] = [];
    trie.removeKey('gone', (prefix) => emptied.push(prefix.toString()));
    expect({ emptied: emptied.sort(), left: trie.prefixesOf().map(String), size: trie.size }).toEqual({
      emptied: ['', 'a'],
      left: ['ab'],
      size: 1,
    });
    expect(matches(trie, 'abc')).toEqual(['stays']);
  });

  test('binary topics with zero bytes match byte-wise', () => {
    const trie = new SubscriptionTrie<string>();
    trie.add(Buffer.from([0, 1]), 'bin');
    expect([trie.matches(Buffer.from([0, 1, 2])), trie.matches(Buffer.from([0, 2]))]).toEqual([true, false]);
  });
});
