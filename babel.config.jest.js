/**
 * NestJS 12 ships as ES modules. Node 20 can require() them, but jest's CommonJS runtime cannot (before
 * Node 24.9), so jest compiles those packages to CommonJS. Only used by jest (see jest.config.js).
 *
 * `import.meta` has no CommonJS twin; the few uses in those packages are rewritten without touching the
 * identifier `require`, which some of them redeclare (`const require = createRequire(import.meta.url)`).
 */
function importMetaToCommonJs({ types: t }) {
  return {
    visitor: {
      MetaProperty(path) {
        const member = path.parentPath;
        if (!member.isMemberExpression()) return;
        const name = member.node.property.name;
        if (name === 'url') {
          member.replaceWith(t.binaryExpression('+', t.stringLiteral('file://'), t.identifier('__filename')));
        } else if (name === 'resolve') {
          member.replaceWith(t.memberExpression(t.identifier('require'), t.identifier('resolve')));
        } else if (name === 'dirname') {
          member.replaceWith(t.identifier('__dirname'));
        } else if (name === 'filename') {
          member.replaceWith(t.identifier('__filename'));
        }
      },
    },
  };
}

module.exports = {
  plugins: [importMetaToCommonJs, '@babel/plugin-transform-dynamic-import', '@babel/plugin-transform-modules-commonjs'],
};
